# Seed for the run parser: tokens and shapes at the edges of the subset.
x = ((((1))))
s = 'a\'b' + "c\"d" + '''multi
line''' + f"{x} and {s!r}" if False else ''
d = {'k': [1, 2, (3,)], (): {}}
del d['k'][0], d[()]
while x < 3:
    x += 1
    if x == 2: continue
    elif x: break
    else: pass
class C:
    a = 1
    def m(self, y=[]): return y
try:
    assert C().m() is not None, "msg"
except AssertionError:
    pass
finally:
    x = -x ** 2 // 3 % 4
