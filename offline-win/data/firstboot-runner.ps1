# SPDX-License-Identifier: GPL-3.0-or-later
# CE-Appliance first-boot runner, staged by `ce-offline prepare` (docs/firstboot.md).
# Started by the local Group Policy startup script (scripts.ini [Startup]) as
# SYSTEM before any logon.  Runs the commands of steps.json once, in order;
# a failed boot is retried at the next boot, at most maxAttempts boots in
# all; then (success or giving up) it removes its scripts.ini entry,
# restores gpt.ini, deletes its files, the staged installers and drivers.  The log
# stays: %ProgramData%\CE-Appliance\firstboot.log.  Plain ASCII on purpose:
# Windows PowerShell 5.1 reads a BOM-less script as ANSI.
$ErrorActionPreference = 'Stop'
$Base = Join-Path $env:ProgramData 'CE-Appliance'
$Dir = Join-Path $Base 'firstboot'
$Log = Join-Path $Base 'firstboot.log'
$GpDir = Join-Path $env:SystemRoot 'System32\GroupPolicy'
$Marker = 'CE-Appliance\firstboot\runner.ps1'

function Write-Log([string]$Message) {
  $line = '{0} {1}' -f (Get-Date).ToString('yyyy-MM-ddTHH:mm:ssK'), $Message
  try { Add-Content -LiteralPath $Log -Value $line -Encoding UTF8 } catch { }
}

# Our [Startup] entry out of scripts.ini; later entries move down by one
# so the indexes stay contiguous (MS-GPSCR 2.2.2).
function Remove-ScriptsEntry {
  $ini = Join-Path $GpDir 'Machine\Scripts\scripts.ini'
  if (-not (Test-Path -LiteralPath $ini)) { return }
  $lines = @(Get-Content -LiteralPath $ini)
  $ours = $null
  foreach ($l in $lines) {
    if ($l -match '^\s*(\d+)Parameters\s*=(.*)$' -and $Matches[2].IndexOf($Marker, [StringComparison]::OrdinalIgnoreCase) -ge 0) {
      $ours = [int]$Matches[1]
    }
  }
  if ($null -eq $ours) { return }
  $out = New-Object System.Collections.Generic.List[string]
  $section = ''
  $left = 0
  foreach ($l in $lines) {
    if ($l -match '^\s*\[(.+)\]\s*$') { $section = $Matches[1].Trim(); $out.Add($l); continue }
    if ($section -eq 'Startup' -and $l -match '^\s*(\d+)(CmdLine|Parameters)\s*=(.*)$') {
      $i = [int]$Matches[1]
      if ($i -eq $ours) { continue }
      if ($i -gt $ours) { $i-- }
      $out.Add(('{0}{1}={2}' -f $i, $Matches[2], $Matches[3]))
      $left++
      continue
    }
    $out.Add($l)
  }
  if ($left -eq 0) { [void]$out.RemoveAll({ param($x) $x -match '^\s*\[\s*Startup\s*\]\s*$' }) }
  if (@($out | Where-Object { $_.Trim() -ne '' }).Count -eq 0) {
    Remove-Item -LiteralPath $ini -Force
  } else {
    Set-Content -LiteralPath $ini -Value $out -Encoding Unicode
  }
}

# gpt.ini as it was before prepare (removed if prepare created it), with
# the computer version (low 16 bits of Version) moved on so the Group
# Policy engine processes the scripts extension again and forgets us.
# Without restore data (steps.json unreadable) only the version moves.
function Restore-GptIni($Restore) {
  $gpt = Join-Path $GpDir 'gpt.ini'
  if (-not (Test-Path -LiteralPath $gpt)) { return }
  if ($null -ne $Restore -and -not $Restore.gptIniExisted) { Remove-Item -LiteralPath $gpt -Force; return }
  $out = foreach ($l in @(Get-Content -LiteralPath $gpt)) {
    if ($l -match '^\s*gPCMachineExtensionNames\s*=') {
      if ($null -eq $Restore) { $l }
      elseif ($Restore.machineExtensionNames) { 'gPCMachineExtensionNames=' + $Restore.machineExtensionNames }
    } elseif ($l -match '^\s*Version\s*=\s*(\d+)\s*$') {
      $v = [int64]$Matches[1]
      $lo = ($v % 65536) + 1
      if ($lo -gt 65535) { $lo = 1 }
      'Version=' + ([math]::Floor($v / 65536) * 65536 + $lo)
    } else { $l }
  }
  Set-Content -LiteralPath $gpt -Value $out -Encoding Ascii
}

function Remove-Runner($Restore) {
  foreach ($action in @(
      { Remove-ScriptsEntry },
      { Restore-GptIni $Restore },
      { Remove-Item -LiteralPath (Join-Path $Base 'installers') -Recurse -Force -ErrorAction SilentlyContinue },
      { Remove-Item -LiteralPath (Join-Path $Base 'drivers') -Recurse -Force -ErrorAction SilentlyContinue },
      { Remove-Item -LiteralPath $Dir -Recurse -Force })) {
    try { & $action } catch { Write-Log "cleanup: $_" }
  }
  Write-Log 'runner removed'
}

# Only SYSTEM and Administrators may change what runs as SYSTEM: a folder
# or file here that anyone else owns or may change is refused before
# steps.json is read (a standard user may create folders in ProgramData).
# Same rule as the offline check (offline-win/ntfs/sd-trust.c): owner SYSTEM
# or Administrators, DACL protected, no allow ACE for another SID with more
# than read and execute (0xA01200A9: read/execute, read attributes and
# permissions, synchronize, generic read/execute).
$Trusted = @('S-1-5-18', 'S-1-5-32-544')
$NotHarmless = 0x5FEDFF56
$RefusedLog = Join-Path $env:SystemRoot 'Logs\CE-Appliance-firstboot.log'

function Test-AdminOnly([string]$Path) {
  $acl = Get-Acl -LiteralPath $Path
  $sidType = [System.Security.Principal.SecurityIdentifier]
  $owner = $acl.GetOwner($sidType).Value
  if ($Trusted -notcontains $owner) { return "$Path is owned by $owner, not by SYSTEM or Administrators" }
  if (-not $acl.AreAccessRulesProtected) { return "the DACL of $Path is not protected from inheritance" }
  foreach ($r in $acl.GetAccessRules($true, $true, $sidType)) {
    if ($r.AccessControlType -ne 'Allow' -or $Trusted -contains $r.IdentityReference.Value) { continue }
    $mask = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$r.FileSystemRights), 0)
    if (($mask -band $NotHarmless) -ne 0) {
      return "the DACL of $Path lets $($r.IdentityReference.Value) change it ($($r.FileSystemRights))"
    }
  }
  return $null
}

$why = $null
foreach ($p in @($Base, $Dir, (Join-Path $Base 'installers'), (Join-Path $Base 'drivers'), (Join-Path $Dir 'steps.json'))) {
  try {
    if (Test-Path -LiteralPath $p) { $why = Test-AdminOnly $p }
  } catch { $why = "cannot read the ACL of ${p}: $_" }
  if ($why) { break }
}
if ($why) {
  # Not into the untrusted folder: its log file could be a link to any file.
  $line = '{0} refusing to run: {1}; unregistering (nothing in {2} is run or deleted)' -f `
          (Get-Date).ToString('yyyy-MM-ddTHH:mm:ssK'), $why, $Base
  try { Add-Content -LiteralPath $RefusedLog -Value $line -Encoding UTF8 } catch { }
  foreach ($action in @({ Remove-ScriptsEntry }, { Restore-GptIni $null })) {
    try { & $action } catch { }
  }
  exit 1
}

try {
  $R = Get-Content -LiteralPath (Join-Path $Dir 'steps.json') -Raw -Encoding UTF8 | ConvertFrom-Json
} catch {
  Write-Log "cannot read steps.json: $_; removing the runner"
  Remove-Runner $null
  exit 1
}

$attemptsFile = Join-Path $Dir 'attempts'
$n = 0
if (Test-Path -LiteralPath $attemptsFile) {
  [void][int]::TryParse((Get-Content -LiteralPath $attemptsFile -TotalCount 1), [ref]$n)
}
$n++
Set-Content -LiteralPath $attemptsFile -Value $n -Encoding Ascii
Write-Log "boot $n of at most $($R.maxAttempts): $(@($R.steps).Count) steps"

# Windows with a restart pending (updates, renames) may not install a
# driver package: driver steps wait for the next boot, as virt-v2v's
# firstboot script does (docs/drivers.md).
function Get-PendingReboot {
  $keys = @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired',
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending')
  foreach ($k in $keys) { if (Test-Path -LiteralPath $k) { return $k } }
  $sm = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
  if ($sm -and $sm.PendingFileRenameOperations) { return 'PendingFileRenameOperations' }
  return $null
}

$failed = $false
$reboot = $false
$ran = $false
foreach ($s in @($R.steps)) {
  $done = Join-Path $Dir ('done-' + $s.id)
  if (Test-Path -LiteralPath $done) { Write-Log "step $($s.id) ($($s.step)) was done at an earlier boot"; continue }
  # Only before this boot's first step: a restart our own steps asked for
  # (pnputil 3010) comes at the end of the run.
  if ($s.step -eq 'drivers' -and -not $ran) {
    $pending = Get-PendingReboot
    if ($pending) {
      Write-Log "step $($s.id): a restart is pending ($pending): driver steps wait for the next boot"
      $failed = $true
      break
    }
  }
  $ran = $true
  Write-Log "step $($s.id) ($($s.step)): $($s.description): $($s.command)"
  try {
    $p = Start-Process -FilePath (Join-Path $env:SystemRoot 'System32\cmd.exe') `
           -ArgumentList ('/d /s /c "' + $s.command + '"') -Wait -PassThru -NoNewWindow
    $rc = $p.ExitCode
  } catch {
    Write-Log "step $($s.id): cannot start: $_"
    $rc = -1
  }
  # 3010: done, a restart completes it (ERROR_SUCCESS_REBOOT_REQUIRED).
  # A step may name its own list (pnputil: 259, no device to update).
  $ok = @(0, 3010)
  if ($null -ne $s.okExitCodes) { $ok = @($s.okExitCodes) }
  if ($ok -contains $rc) {
    Set-Content -LiteralPath $done -Value $rc -Encoding Ascii
    if ($rc -eq 3010) { $reboot = $true }
    Write-Log "step $($s.id): done (exit $rc)"
  } elseif ($s.continueOnFailure) {
    # Steps that may fail for reasons a retry does not change (an
    # uninstaller off its own platform, often 1603): reported, not retried,
    # and the list goes on.  Never a restart in the middle of the list.
    Set-Content -LiteralPath $done -Value $rc -Encoding Ascii
    Write-Log "step $($s.id): failed (exit $rc): reported, going on with the next step"
  } else {
    Write-Log "step $($s.id): failed (exit $rc)"
    $failed = $true
    break
  }
}

if (-not $failed) {
  Write-Log 'all steps done'
  Remove-Runner $R.restore
  if ($reboot) { Write-Log 'a step asked for a restart: restarting'; Restart-Computer -Force }
  exit 0
}
if ($n -ge $R.maxAttempts) {
  Write-Log "giving up after $n failed boots (the remaining steps are not run)"
  Remove-Runner $R.restore
  exit 1
}
Write-Log 'the failed step is retried at the next boot'
exit 1
