def tf__step(x):
    with ag__.FunctionScope('step', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        ag__.converted_call(ag__.ld(tf).debugging.assert_non_negative, (ag__.ld(x),), dict(message='x must be >= 0'), fscope)
        log = ag__.converted_call(ag__.ld(tf).print, ('step input:', ag__.ld(x)), None, fscope)
        with ag__.ld(tf).control_dependencies([ag__.ld(log)]):
            y = ag__.converted_call(ag__.ld(tf).identity, (ag__.ld(x),), None, fscope)
        ag__.converted_call(ag__.ld(v).assign, (ag__.ld(v) * 2.0,), None, fscope)
        ag__.converted_call(ag__.ld(v).assign_add, (ag__.ld(y),), None, fscope)
        try:
            do_return = True
            retval_ = ag__.converted_call(ag__.ld(v).read_value, (), None, fscope)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
