package main

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptSetup prepares a script's environment: no colour decisions leak in
// from the developer's terminal, and XDG_CONFIG_HOME is the script's own.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("NO_COLOR", "")
	env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/config")
	return nil
}
