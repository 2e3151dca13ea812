# finally runs on return, break and exceptions; it can override the return value.
def f():
    try:
        return "try"
    finally:
        print("cleanup f")
def g():
    try:
        return "try"
    finally:
        return "finally"
print(f(), g())
for i in range(3):
    try:
        if i == 1:
            break
    finally:
        print("finally", i)
