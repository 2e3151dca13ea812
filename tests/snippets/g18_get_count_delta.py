# count0 goes up with each tracked allocation and down with each free.
import gc
gc.collect(); gc.disable()
class C: pass
gc.get_count()
c0 = gc.get_count()[0]
keep = [C() for i in range(5)]
c1 = gc.get_count()[0]
print(c1 - c0 >= 5)
gc.collect()
print(gc.get_count())
