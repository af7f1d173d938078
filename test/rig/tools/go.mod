module github.com/amha-dev/kubectl-amha/test/rig/tools

go 1.24.0
