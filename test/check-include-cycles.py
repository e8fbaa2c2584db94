#!/usr/bin/env python3
"""check-include-cycles.py ROOT: fails when the sources under ROOT include
each other in a cycle.

A module is a header and its source file (Foo.h with Foo.cpp). Module A
depends on module B when A.h or A.cpp includes B.h. Every dependency must run
one way: a strongly connected component of more than one module is a cycle,
printed with the includes that close it. Quoted includes are resolved the way
the build resolves them, by file name among the tree's headers (the same
folder first); angle-bracket includes are other projects' and ignored.
"""
import os
import re
import sys

SOURCE_DIRS = ["compiler", "dialect", "frontend", "passes", "runtime", "tools"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    for top in SOURCE_DIRS:
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith((".h", ".cpp")):
                    yield os.path.relpath(os.path.join(folder, name), root)


def main():
    root = sys.argv[1]
    files = sorted(sources(root))
    headers = {}
    for f in files:
        if f.endswith(".h"):
            headers.setdefault(os.path.basename(f), []).append(f)

    def resolve(including, name):
        candidates = headers.get(os.path.basename(name), [])
        if not candidates:
            return None  # generated (.inc) or another project's
        same = [c for c in candidates if os.path.dirname(c) == os.path.dirname(including)]
        suffix = [c for c in candidates if c.endswith(name)]
        return (same or suffix or candidates)[0]

    module = lambda path: os.path.splitext(path)[0]
    edges, why = {}, {}
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as text:
            for name in INCLUDE.findall(text.read()):
                target = resolve(f, name)
                if target and module(target) != module(f):
                    edges.setdefault(module(f), set()).add(module(target))
                    why.setdefault((module(f), module(target)), f + " includes " + name)

    # Tarjan's strongly connected components, iteratively.
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = [0]
    nodes = sorted({module(f) for f in files})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for component in components:
        members = set(component)
        print("include cycle among " + ", ".join(component) + ":")
        for a in component:
            for b in sorted(edges.get(a, ()) & members):
                print("  " + why[(a, b)])
    if components:
        return 1
    print(f"no include cycle among {len(files)} files ({len(nodes)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
