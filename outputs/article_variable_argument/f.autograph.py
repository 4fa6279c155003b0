def tf__f(x, y, b):
    with ag__.FunctionScope('f', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        y = ag__.converted_call(ag__.ld(tf).matmul, (ag__.ld(x), ag__.ld(y)), None, fscope) + ag__.ld(b)
        ag__.ld(print)('PRINT: ', ag__.ld(y))
        ag__.converted_call(ag__.ld(tf).print, ('TF-PRINT: ', ag__.ld(y)), None, fscope)
        try:
            do_return = True
            retval_ = ag__.ld(y)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
