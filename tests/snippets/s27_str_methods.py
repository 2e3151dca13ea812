# A few str methods.
s = "  Hello, GC world  "
print(s.strip(), s.lower(), s.upper())
print("a,b,c".split(","), "x y  z".split(), "-".join(["a", "b"]))
print("hello".startswith("he"), "hello".endswith("lo"), "hello".find("l"), "hello".replace("l", "L"))
print("abc"[0], "abc"[-1], "abc"[1:])
