# Instance cycles: attributes live inline in 3.11, so each instance counts once.
import gc
gc.collect(); gc.disable()
class Node: pass
x = Node(); y = Node(); z = Node()
x.next = y; y.next = z; z.next = x
del x, y, z
print("collect:", gc.collect())
