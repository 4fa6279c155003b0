def tf__count(counter):
    with ag__.FunctionScope('count', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        ag__.converted_call(ag__.ld(counter).assign_add, (1,), None, fscope)
        try:
            do_return = True
            retval_ = ag__.converted_call(ag__.ld(counter).read_value, (), None, fscope)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
