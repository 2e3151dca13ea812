# f-strings with simple fields, conversions and format specs.
name = "gc"; n = 42; items = [1, 2]
print(f"{name} {n} {items} {n + 1} {name!r}")
print(f"[{name:>6}] [{name:<6}] [{name:^6}] [{n:5}] [{n:<5}] [{n:05}] [{n:*^7}]")
print(f"{{literal}} {len(items)} {'nested' + '!'}")
print(f"{None} {True} {(1, 2)}")
