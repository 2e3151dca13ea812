# try/except/else/finally with the exceptions the subset raises.
def attempt(kind):
    try:
        if kind == 0: return 1 // 0
        if kind == 1: return [][1]
        if kind == 2: return {}["k"]
        if kind == 3: return undefined
        if kind == 4: return None.attr
        if kind == 5: return 1 + "a"
        return "ok"
    except ZeroDivisionError as e:
        return f"ZeroDivisionError: {e}"
    except IndexError as e:
        return f"IndexError: {e}"
    except KeyError as e:
        return f"KeyError: {e}"
    except (NameError, AttributeError) as e:
        return f"{type(e).__name__}: {e}"
    except Exception as e:
        return f"other {type(e).__name__}: {e}"
    finally:
        print("finally", kind)
for k in range(7):
    print(attempt(k))
try:
    x = 1
except ValueError:
    print("no")
else:
    print("else ran")
