#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# Test oracle: read `hivexregedit --export BCD '\'` (hivex's own reader, not
# ours) on stdin and print one line per BCD element,
#   {guid} ELEMENTID TYPE HEX
# lower case, sorted, so a test can compare it with what inspect decoded.
use strict;
use warnings;
my ($guid, $id, $line, @out);
my @lines = <STDIN>;
for (my $i = 0; $i < @lines; $i++) {
  $line = $lines[$i];
  $line =~ s/\r?\n$//;
  # hivexregedit continues long hex lines with a trailing backslash.
  while ($line =~ s/\\$// && $i + 1 < @lines) {
    my $next = $lines[++$i];
    $next =~ s/\r?\n$//;
    $next =~ s/^\s+//;
    $line .= $next;
  }
  if ($line =~ /^\[\\Objects\\(\{[^}]+\})\\Elements\\([0-9A-Fa-f]{8})\]$/) {
    ($guid, $id) = (lc $1, lc $2);
  } elsif ($line =~ /^\[/) {
    $id = undef;
  } elsif (defined $id && $line =~ /^"Element"=hex\((\d+)\):(.*)$/) {
    my ($t, $h) = ($1, $2);
    $h =~ s/,//g;
    push @out, "$guid $id $t " . lc $h;
  } elsif (defined $id && $line =~ /^"Element"="(.*)"$/) {
    # Plain REG_SZ as the export prints it: UTF-16LE + NUL, as stored.
    my $s = $1;
    $s =~ s/\\\\/\\/g;
    push @out, "$guid $id 1 " . unpack("H*", pack("v*", map { ord } split //, $s) . "\0\0");
  }
}
print "$_\n" for sort @out;
