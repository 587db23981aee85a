package agent

// SetAfterStop makes a reload call f between stopping a pipeline and
// starting its replacement (tests take a port there).
func SetAfterStop(a *Agent, f func(id string)) { a.afterStop = f }
