package fix

// copyRules are the COPY-ordering fixes (copy-deps-first), in progress.
func copyRules() []*Rule { return nil }
