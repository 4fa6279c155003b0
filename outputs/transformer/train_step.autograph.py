def tf__train_step(tokens, labels):
    with ag__.FunctionScope('train_step', 'fscope', ag__.ConversionOptions(recursive=True, user_requested=True, optional_features=(), internal_convert_user_code=True)) as fscope:
        do_return = False
        retval_ = ag__.UndefinedReturnValue()
        with ag__.ld(tf).GradientTape() as tape:
            loss = ag__.converted_call(ag__.ld(loss_fn), (ag__.ld(labels), ag__.converted_call(ag__.ld(model), (ag__.ld(tokens),), dict(training=True), fscope)), None, fscope)
        grads = ag__.converted_call(ag__.ld(tape).gradient, (ag__.ld(loss), ag__.ld(model).trainable_variables), None, fscope)
        ag__.converted_call(ag__.ld(optimizer).apply_gradients, (ag__.converted_call(ag__.ld(zip), (ag__.ld(grads), ag__.ld(model).trainable_variables), None, fscope),), None, fscope)
        try:
            do_return = True
            retval_ = ag__.ld(loss)
        except:
            do_return = False
            raise
        return fscope.ret(retval_, do_return)
