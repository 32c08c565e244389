package cli

import "runtime/debug"

// ReadVersion exposes readVersion to the external tests as the text and
// JSON that `migrate version` prints.
func ReadVersion(bi *debug.BuildInfo, ok bool) (text string, v any) {
	info := readVersion(bi, ok)
	return info.text(), info
}
