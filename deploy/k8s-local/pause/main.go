// The sandbox ("pause") process of every pod on the local cluster: it holds the pod's namespaces and waits
// for SIGTERM or SIGINT. Built statically into a one-file image by scripts/build-pause-image.sh.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
