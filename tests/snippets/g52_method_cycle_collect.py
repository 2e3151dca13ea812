# An instance holding its own bound method: a 2-object cycle (instance + method).
import gc
gc.collect(); gc.disable()
class Cb:
    def run(self): return "ran"
c = Cb()
c.handler = c.run
print(c.handler())
del c
print("collect:", gc.collect())
