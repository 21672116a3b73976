package wizard

import "regexp"

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envVarShown is how an error names the environment variable the secret was
// to come from: "$NAME" when it is a variable's name, and no echo at all
// when it is not one, since that is most likely the secret itself typed in
// the wrong field.
func envVarShown(name string) string {
	if envVarName.MatchString(name) {
		return "$" + name
	}
	return "the environment variable named there (not shown: it may be the secret itself)"
}

// IsEnvVarName reports whether name can be an environment variable's name.
func IsEnvVarName(name string) bool { return envVarName.MatchString(name) }
