package fix

func packageRules() []*Rule { return nil }
