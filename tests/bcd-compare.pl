#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# bcd-compare.pl ORACLE OURS: compare, element by element, the BCD elements
# hivex's exporter saw (ORACLE, from tests/bcd-export-elements.pl) with
# those inspect decoded (OURS: tab-separated lines "{guid} id format value-json hex").
# Every element must be present in both, and each decoded value must be
# what the oracle's bytes say by the element's format.  Prints the first
# mismatch and exits 1; prints "N elements agree" otherwise.
use strict;
use warnings;
use JSON::PP;
my %alias = (
  '{bootmgr}' => '{9dea862c-5cdd-4e70-acc1-f32b344d4795}',
  '{fwbootmgr}' => '{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}',
  '{globalsettings}' => '{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}',
  '{bootloadersettings}' => '{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}',
  '{resumeloadersettings}' => '{1afa9c49-16ab-4a5c-901b-212802da9460}',
  '{dbgsettings}' => '{4636856e-540f-4170-a130-a84776f4c654}',
  '{emssettings}' => '{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}',
  '{badmemory}' => '{5189b25c-5558-4bf2-bca4-289b11bd29e2}',
  '{memdiag}' => '{b2721d73-1db4-4c62-bf78-c548a880142d}',
  '{hypervisorsettings}' => '{7ff607e0-4395-11db-b0de-0800200c9a66}',
  '{ntldr}' => '{466f5a88-0af2-4f76-9038-095b170dc21c}',
  '{ramdiskoptions}' => '{313e8eed-7098-4586-a9bf-309c61f8d449}',
);
sub guid { my $s = shift; return lc($alias{$s} // $s); }
sub strings {   # UTF-16LE bytes -> list of strings split on NUL
  my @u = unpack "v*", pack "H*", shift;
  my (@l, $cur) = ();
  $cur = '';
  for my $c (@u) { if ($c == 0) { push @l, $cur; $cur = ''; } else { $cur .= chr $c; } }
  push @l, $cur if $cur ne '';
  pop @l while @l && $l[-1] eq '';
  return @l;
}
my ($of, $uf) = @ARGV;
my (%oracle, %ours);
open my $o, '<', $of or die; while (<$o>) { chomp; my ($g, $id, $t, $h) = split / /; $oracle{"$g $id"} = [$t, $h // '']; }
open my $u, '<', $uf or die; while (<$u>) { chomp; my ($g, $id, $f, $v, $h) = split /\t/, $_, 5; $ours{"$g $id"} = [$f, $v, $h // '']; }
my $n = 0;
for my $k (sort keys %oracle) {
  my ($t, $h) = @{$oracle{$k}};
  my $e = $ours{$k} or do { print "missing in inspect: $k\n"; exit 1 };
  my ($f, $vj, $oh) = @$e;
  my $v = JSON::PP->new->allow_nonref->decode($vj);
  my $ok;
  if ($f eq 'device') { $ok = $oh eq $h; }
  elsif ($f eq 'string') { my @s = strings($h); $ok = defined $v && @s == 1 && $s[0] eq $v; }
  elsif ($f eq 'object') { my @s = strings($h); $ok = defined $v && @s == 1 && lc $s[0] eq guid($v); }
  elsif ($f eq 'objects') { my @s = map { lc } strings($h); $ok = ref $v eq 'ARRAY' && "@s" eq join ' ', map { guid($_) } @$v; }
  elsif ($f eq 'integer') { $ok = length $h == 16 && defined $v && $v == unpack "Q<", pack "H*", $h; }
  elsif ($f eq 'boolean') { $ok = defined $v && (($v ? 1 : 0) == (hex(substr $h, 0, 2) ? 1 : 0)); }
  elsif ($f eq 'integers') { my @x = unpack "Q<*", pack "H*", $h; $ok = ref $v eq 'ARRAY' && "@x" eq "@$v"; }
  else { $ok = $oh eq $h; }
  $ok or do { print "differs: $k format $f: inspect $vj, hivex bytes $h\n"; exit 1 };
  $n++;
}
for my $k (sort keys %ours) { exists $oracle{$k} or do { print "not in the store: $k\n"; exit 1 }; }
print "$n elements agree\n";
