# A callback runs when the referent dies by refcount; it gets the (dead) weakref.
import gc, weakref
gc.disable()
class T: pass
log = []
def cb(ref):
    log.append(("dead", ref() is None))
t = T()
r = weakref.ref(t, cb)
print("alive:", r() is t)
t = None
print(log)
