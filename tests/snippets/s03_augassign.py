# Augmented assignment on names, attributes, subscripts; list += extends in place.
n = 5
n += 3; n -= 1; n *= 2; n //= 3; n %= 3
print(n)
s = "ab"; s += "cd"; s *= 2
print(s)
l = [1]; alias = l
l += [2, 3]
print(l, alias, l is alias)
t = (1,); t2 = t
t += (2,)
print(t, t2, t is t2)
class C: pass
c = C(); c.v = 1; c.v += 41
print(c.v)
d = {"k": 1}; d["k"] += 1
print(d)
x = 6; x <<= 2; x >>= 1; x &= 7; x |= 8; x ^= 1
print(x)
