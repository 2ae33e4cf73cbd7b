package dnforacle

// Parse reads a repoclosure text report (dnf's, or ours, which prints the
// same) into the shape of Result.Unresolved.
func Parse(stdout string) (map[string][]string, error) { return parseOutput(stdout) }
