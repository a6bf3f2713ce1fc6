// SPDX-License-Identifier: Apache-2.0
// A vCenter for the tests: govmomi's own simulator (Debian's
// golang-github-vmware-govmomi-dev) serving its default VPX model on loopback
// over TLS with the tests' certificate. Stackhouse's vSphere client talks to it
// exactly as to a vCenter; nothing here is a mock of ours.
//
// Usage: stackhouse-vcsim -l 127.0.0.1:0 -cert srv.pem -key srv.key [-esx]
// The user and password are read from the environment (VCSIM_USER,
// VCSIM_PASSWORD), never from argv. It prints its SDK URL on one line, then
// serves until stdin closes or it is signalled.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "address to listen on")
	certFile := flag.String("cert", "", "PEM certificate")
	keyFile := flag.String("key", "", "PEM key")
	esx := flag.Bool("esx", false, "a standalone ESXi host instead of a vCenter")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	}
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// A user on the listen URL is the only login the simulator accepts.
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(os.Getenv("VCSIM_USER"), os.Getenv("VCSIM_PASSWORD"))}
	model.Service.RegisterEndpoints = true

	server := model.Service.NewServer()
	defer server.Close()
	u := *server.URL
	u.User = nil // the password stays out of the output
	fmt.Println(u.String())

	// Until the test that started it goes away.
	_, _ = io.Copy(io.Discard, os.Stdin)
}
