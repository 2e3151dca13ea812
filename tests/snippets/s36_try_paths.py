# try/except/else/finally: every path, nested handlers, bare raise, finally
# with break/continue/return, exceptions in handlers, `as` name deleted after.
def f(mode):
    out = []
    try:
        out.append("try")
        if mode == 1:
            raise ValueError("v")
        if mode == 2:
            raise KeyError("k")
        if mode == 3:
            return out + ["returned"]
    except ValueError as e:
        out.append("ValueError " + str(e))
    except (KeyError, IndexError) as e:
        out.append("lookup " + repr(e))
    else:
        out.append("else")
    finally:
        out.append("finally")
    return out
for m in range(4):
    print(f(m))
def g():
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            print("body", i)
        finally:
            print("finally", i)
    return "done"
print(g())
def h():
    try:
        return "try"
    finally:
        print("cleanup")
print(h())
def reraise():
    try:
        try:
            1 // 0
        except ZeroDivisionError:
            print("inner handler")
            raise
    except ArithmeticError as e:
        print("outer", type(e) is ZeroDivisionError, e)
reraise()
def in_handler():
    try:
        try:
            [][0]
        except IndexError:
            {}["x"]
    except KeyError as e:
        print("KeyError from handler", e)
in_handler()
try:
    raise RuntimeError("no as")
except RuntimeError:
    print("caught without as")
e = "kept"
try:
    raise ValueError("x")
except ValueError as e:
    pass
try:
    print(e)
except NameError as err:
    print("NameError", err)
class MyErr(Exception):
    pass
try:
    raise MyErr("mine")
except Exception as x:
    print(isinstance(x, MyErr), x.args)
