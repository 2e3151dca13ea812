# A function stored in a cycle: functions and their defaults tuple are tracked objects.
import gc
gc.collect(); gc.disable()
class Box: pass
b = Box()
def f(x=[]): return x
b.f = f
b.me = b
del f
del b
print("collect:", gc.collect())
