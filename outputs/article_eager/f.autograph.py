def tf__f():
    with ag__.FunctionScope('f', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        a = ag__.converted_call(ag__.ld(tf).constant, ([[10, 10], [11.0, 1.0]],), None, fscope)
        x = ag__.converted_call(ag__.ld(tf).constant, ([[1.0, 0.0], [0.0, 1.0]],), None, fscope)
        b = ag__.converted_call(ag__.ld(tf).Variable, (12.0,), None, fscope)
        y = ag__.converted_call(ag__.ld(tf).matmul, (ag__.ld(a), ag__.ld(x)), None, fscope) + ag__.ld(b)
        try:
            do_return = True
            retval_ = ag__.ld(y)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
