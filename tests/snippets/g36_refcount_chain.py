# Dropping the head of a linked chain frees it head first.
import gc
gc.disable()
class Link:
    def __init__(self, n, nxt): self.n = n; self.nxt = nxt
    def __del__(self): print("del", self.n)
chain = None
for i in range(4):
    chain = Link(i, chain)
print("drop")
chain = None
print("end")
