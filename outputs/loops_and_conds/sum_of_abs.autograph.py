def tf__sum_of_abs(values):
    with ag__.FunctionScope('sum_of_abs', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        total = ag__.converted_call(ag__.ld(tf).constant, (0.0,), None, fscope)

        def get_state_1():
            return (total,)

        def set_state_1(vars_):
            nonlocal total
            total, = vars_

        def loop_body(itr):
            nonlocal total
            v = itr

            def get_state():
                return (total,)

            def set_state(vars_):
                nonlocal total
                total, = vars_

            def if_body():
                nonlocal total
                total = ag__.ld(total)
                total += v

            def else_body():
                nonlocal total
                total = ag__.ld(total)
                total -= v
            ag__.if_stmt(ag__.ld(v) > 0, if_body, else_body, get_state, set_state, ('total',), 1)
        v = ag__.Undefined('v')
        ag__.for_stmt(ag__.ld(values), None, loop_body, get_state_1, set_state_1, ('total',), {'iterate_names': 'v'})
        try:
            do_return = True
            retval_ = ag__.ld(total)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
