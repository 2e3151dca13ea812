# A local read before assignment is an UnboundLocalError (a NameError).
x = "global"
def f():
    try:
        print(x)
    except NameError as e:
        print(type(e).__name__, isinstance(e, NameError))
    x = "local"
    return x
print(f(), x)
