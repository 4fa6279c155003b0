def tf__predict(tokens):
    with ag__.FunctionScope('predict', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        try:
            do_return = True
            retval_ = ag__.converted_call(ag__.ld(model), (ag__.ld(tokens),), dict(training=False), fscope)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
