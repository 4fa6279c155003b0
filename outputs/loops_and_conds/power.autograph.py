def tf__power(x, n):
    with ag__.FunctionScope('power', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        result = ag__.converted_call(ag__.ld(tf).ones_like, (ag__.ld(x),), None, fscope)

        def get_state():
            return (result,)

        def set_state(vars_):
            nonlocal result
            result, = vars_

        def loop_body(itr):
            nonlocal result
            _ = itr
            result = ag__.ld(result) * ag__.ld(x)
        _ = ag__.Undefined('_')
        ag__.for_stmt(ag__.converted_call(ag__.ld(range), (ag__.ld(n),), None, fscope), None, loop_body, get_state, set_state, ('result',), {'iterate_names': '_'})
        try:
            do_return = True
            retval_ = ag__.ld(result)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
