#!/usr/bin/env python3
"""Lists where a thumbv7em binary (linked with unresolved symbols allowed, see link-proof.sh) can
enter a panic path: every call into a function that reaches the panic handler, and every jump to
such a call (the compiler moves panic calls into shared cold blocks), with the source line of the
jump or call (innermost inlined location) and the function it sits in.
Usage: panic-sites.py OBJDUMP BINARY"""
import re, subprocess, sys
from collections import defaultdict

objdump, binary = sys.argv[1], sys.argv[2]
out = subprocess.run([objdump, "-d", "-C", "-l", "--no-show-raw-insn", binary],
                     capture_output=True, text=True, check=True).stdout
func_re = re.compile(r"^[0-9a-f]+ <(.*)>:$")
line_re = re.compile(r"^; (/.*:\d+)")
insn_re = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
target_re = re.compile(r"0x([0-9a-f]+) <([^>+]+)(?:\+0x[0-9a-f]+)?>")
calls = defaultdict(set)
insns = []  # (addr, func, loc, mnemonic, target_addr, target_func)
func, loc = None, "?"
for line in out.splitlines():
    m = func_re.match(line)
    if m:
        func, loc = m.group(1), "?"
        continue
    m = line_re.match(line)
    if m:
        loc = m.group(1)
        continue
    m = insn_re.match(line)
    if not m or func is None:
        continue
    addr, mnem, ops = int(m.group(1), 16), m.group(2), m.group(3)
    t = target_re.search(ops) if mnem.startswith("b") else None
    taddr, tfunc = (int(t.group(1), 16), t.group(2)) if t else (None, None)
    if tfunc and tfunc != func:
        calls[func].add(tfunc)
    insns.append((addr, func, loc, mnem, taddr, tfunc))
panicky = {"galling_link_proof_reachable_panic", "rust_begin_unwind"}
panicky |= {f for f in calls if f.startswith("core::panicking::")}
changed = True
while changed:
    changed = False
    for f, cs in calls.items():
        if f not in panicky and cs & panicky and f.startswith("core::") and (
                "panic" in f or "fail" in f or "slice_index" in f or "unwrap" in f or "expect" in f):
            panicky.add(f)
            changed = True
# addresses of calls into panic paths, and whether control can fall into them
panic_calls = {}
for i, (addr, f, l, mnem, taddr, tfunc) in enumerate(insns):
    if tfunc in panicky and f not in panicky:
        prev = insns[i - 1] if i else None
        falls_in = prev is None or prev[1] != f or prev[3] not in ("b", "b.w", "bx", "pop", "pop.w")
        panic_calls[addr] = (tfunc, falls_in)
seen = set()
def report(l, tfunc, f):
    key = (l, tfunc)
    if key not in seen:
        seen.add(key)
        short = re.sub(r"^.*/(src|library)/", r"\1/", l)
        print(f"{short}: {tfunc.split('::')[-1]}  (in {f[:90]})")
for addr, f, l, mnem, taddr, tfunc in insns:
    if addr in panic_calls and panic_calls[addr][1]:
        report(l, panic_calls[addr][0], f)
    if taddr in panic_calls and f not in panicky and addr not in panic_calls:
        report(l, panic_calls[taddr][0], f)
