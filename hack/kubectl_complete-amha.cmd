@echo off
rem Shell completion of `kubectl amha` (kubectl 1.26+) on Windows: kubectl runs
rem kubectl_complete-amha from PATH with the words after "amha"; kubectl-amha answers through
rem cobra's __complete. Put this file next to kubectl-amha.exe on PATH.
kubectl-amha.exe __complete %*
