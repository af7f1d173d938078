# The drills' sink image (goreleaser dockers_v2, .goreleaser.yaml): the static release binary
# for each platform, nothing else. No shell, no libc, no writable path: the Deployment runs it
# as user 65534 on a read-only root filesystem (pkg/kube.SinkObjects). The layout is
# internal/sinkimage's; test/release checks this file against it.
FROM scratch
ARG TARGETPLATFORM
COPY --chmod=0555 $TARGETPLATFORM/kubectl-amha /bin/kubectl-amha
USER 65534:65534
ENTRYPOINT ["/bin/kubectl-amha"]
CMD ["sink"]
