package cli

import (
	"io"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

func terminalFD(fd uintptr) bool {
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// newLogger builds the zerolog logger for one invocation: a console writer
// when format is "console" (or "auto" on a terminal), JSON lines otherwise.
func newLogger(w io.Writer, term bool, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), usageErrorf("--log-level: invalid level %q (want trace, debug, info, warn, error or disabled)", level)
	}
	switch format {
	case "auto":
		if !term {
			break
		}
		fallthrough
	case "console":
		w = zerolog.ConsoleWriter{Out: w, NoColor: !term, TimeFormat: "15:04:05"}
	case "json":
	default:
		return zerolog.Nop(), usageErrorf("--log-format: invalid format %q (want auto, console or json)", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
