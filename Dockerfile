# DistNN node image: `distnn node` with the cluster configs. Build from the repository root:
#   docker build -t distnn:local .
# The base images are the .NET 10 SDK (build stage) and ASP.NET Core runtime images; override them with --build-arg when a
# mirror is used, or with the local images scripts/container-base.sh builds where no registry can be reached:
#   docker build --build-arg SDK_IMAGE=distnn-dotnet-sdk:10.0 --build-arg RUNTIME_IMAGE=distnn-dotnet-runtime:10.0 -t distnn:local .
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
# The ASP.NET Core runtime image: the coordinator's --dashboard runs on Kestrel from the shared framework.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore first, on the project files alone, so that code changes do not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ./
# Packages come from .nuget-feed/ when it holds any (scripts/container-base.sh fills it from a restore on the host, so
# the build needs no network; rerun it after a package changes), else from NuGet. The bracket makes the folder optional.
COPY Directory.Packages.props .nuget-fee[d] /feed/
COPY src/DistNN.Tensors/DistNN.Tensors.csproj src/DistNN.Tensors/
COPY src/DistNN.Nn/DistNN.Nn.csproj src/DistNN.Nn/
COPY src/DistNN.Data/DistNN.Data.csproj src/DistNN.Data/
COPY src/DistNN.Protocol/DistNN.Protocol.csproj src/DistNN.Protocol/
COPY src/DistNN.Transport/DistNN.Transport.csproj src/DistNN.Transport/
COPY src/DistNN.Training/DistNN.Training.csproj src/DistNN.Training/
COPY src/DistNN.Benchmarking/DistNN.Benchmarking.csproj src/DistNN.Benchmarking/
COPY src/DistNN.Cli/DistNN.Cli.csproj src/DistNN.Cli/
# ReadyToRun for the build's own architecture (a node starts on precompiled code, as the benchmarks' nodes do; the nodes
# run without tiered compilation, scripts/container-entrypoint.sh): the restore brings the runtime packs and crossgen2.
RUN case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid="linux-$(uname -m)" ;; esac; \
    echo "$rid" > /rid; \
    if ls /feed/*.nupkg >/dev/null 2>&1; then source="--source /feed"; else source=""; fi; \
    dotnet restore src/DistNN.Cli/DistNN.Cli.csproj -r "$rid" -p:PublishReadyToRun=true $source
COPY src/ src/
RUN dotnet publish src/DistNN.Cli/DistNN.Cli.csproj -c Release --no-restore -r "$(cat /rid)" --self-contained false \
    -p:PublishReadyToRun=true -o /app -nologo

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
COPY cluster-configs/ ./cluster-configs/
COPY scripts/container-entrypoint.sh /usr/local/bin/distnn-node
RUN chmod +x /usr/local/bin/distnn-node
# MNIST is mounted here (see docker-compose.yml); every node that needs data reads it itself.
ENV DISTNN_DATA_DIR=/data
# Akka.Remote (4053) and the parameter servers' tensor data plane (5053).
EXPOSE 4053 5053
ENTRYPOINT ["distnn-node"]
