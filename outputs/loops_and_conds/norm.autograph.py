def tf__norm(x):
    with ag__.FunctionScope('norm', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        try:
            do_return = True
            retval_ = ag__.converted_call(ag__.ld(tf).sqrt, (ag__.converted_call(ag__.ld(tf).reduce_sum, (ag__.ld(x) * ag__.ld(x),), None, fscope),), None, fscope)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
