#!/usr/bin/env python3
"""Picks a small corpus from a libFuzzer merge control file written with -set_cover_merge=1
-use_counters=0, whose FT lines then list every coverage feature (edge) of each input: greedy
set cover, at most CAP files, preferring small inputs on ties. Prints how many of the features
of the whole set the picked files still reach.

usage: minimize.py CONTROL_FILE OUT_DIR CAP
"""
import os
import shutil
import sys

control, out_dir, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(control).read().split("\n")
count = int(lines[0])
paths = lines[2 : 2 + count]
edges, sizes = {}, {}
for line in lines[2 + count :]:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == "STARTED":
        sizes[int(parts[1])] = int(parts[2])
    elif parts[0] == "FT":
        edges[int(parts[1])] = set(map(int, parts[2:]))
reached = set().union(*edges.values()) if edges else set()
covered, picked = set(), []
while len(picked) < cap and edges:
    best = max(edges, key=lambda i: (len(edges[i] - covered), -sizes.get(i, 0)))
    if not edges[best] - covered:
        break
    picked.append(best)
    covered |= edges.pop(best)
os.makedirs(out_dir, exist_ok=True)
for i in picked:
    shutil.copy(paths[i], os.path.join(out_dir, os.path.basename(paths[i])))
share = 100.0 * len(covered) / max(len(reached), 1)
print(f"{len(picked)} of {count} inputs keep {len(covered)} of {len(reached)} features ({share:.1f}%)")
