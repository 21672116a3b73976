//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// runOnTTY runs prog with stdout and stderr on a new pseudo-terminal of
// 80×24 and returns what it wrote there (line ends as the terminal sends
// them, CRLF). Stdin is /dev/null. It gives prog 60 s.
func runOnTTY(env []string, dir, prog string, args ...string) ([]byte, error) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer ptmx.Close()
	fd := int(ptmx.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("pty number: %w", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		return nil, fmt.Errorf("pty size: %w", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	path, err := exec.LookPath(prog)
	if err != nil {
		tty.Close()
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.Stdout, cmd.Stderr = tty, tty
	err = cmd.Start()
	tty.Close() // the child holds its own copies
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	read := make(chan struct{})
	go func() {
		// Reading the master ends with EIO once every copy of the
		// terminal's other side is closed, that is when prog has exited.
		_, _ = io.Copy(&out, ptmx)
		close(read)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		err = errors.New("killed after 60 s")
	}
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		ptmx.Close()
		<-read
	}
	return out.Bytes(), err
}
