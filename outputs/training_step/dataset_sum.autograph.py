def tf__dataset_sum():
    with ag__.FunctionScope('dataset_sum', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        total = ag__.converted_call(ag__.ld(tf).constant, (0, ag__.ld(tf).int64), None, fscope)

        def get_state():
            return (total,)

        def set_state(vars_):
            nonlocal total
            total, = vars_

        def loop_body(itr):
            nonlocal total
            value = itr
            total = ag__.ld(total)
            total += value
        value = ag__.Undefined('value')
        ag__.for_stmt(ag__.ld(dataset), None, loop_body, get_state, set_state, ('total',), {'iterate_names': 'value'})
        try:
            do_return = True
            retval_ = ag__.ld(total)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
