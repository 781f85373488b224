using DistNN.Cli;
using DistNN.Cli.Commands;
using DistNN.Tensors;
using Spectre.Console;
using Spectre.Console.Cli;

// A DISTNN_ISA the CPU cannot run (or a typo) would silently measure or train on other kernels: refuse to start.
if (CpuKernels.EnvironmentError is string isaError)
{
    Console.Error.WriteLine($"distnn: error: {isaError}");
    return 2;
}
// Printed here rather than by the command parser, which would wrap the line to the terminal's width.
if (args is ["--version"] or ["-v"])
{
    Console.WriteLine(VersionLine.Text);
    return 0;
}

var app = new CommandApp();

app.Configure(config =>
{
    config.SetApplicationName("distnn");
    config.SetApplicationVersion(VersionLine.Text);
    config.UseStrictParsing();
    config.SetHelpProvider(new PlainHelp(VersionLine.Text));
    config.AddCommand<TrainCommand>("train")
        .WithDescription("Train a model on a data set (MNIST by default) and report test accuracy.")
        .WithExample("train", "--model", "mlp", "--epochs", "5")
        .WithExample("train", "--model", "cnn", "--epochs", "3", "--summary-json", "runs/cnn.json");
    config.AddCommand<NodeCommand>("node")
        .WithDescription("Run one node of a cluster (coordinator, ps or worker), joined with Akka.Cluster. Environment overrides: "
            + string.Join(", ", NodeOptionsResolver.EnvironmentVariables) + " (below the command line, above the HOCON file).")
        .WithExample("node", "--role", "coordinator", "--port", "4053", "--servers", "2", "--workers", "2", "--epochs", "1")
        .WithExample("node", "--role", "ps", "--seed", "akka.tcp://distnn@127.0.0.1:4053")
        .WithExample("node", "--role", "worker", "--seed", "akka.tcp://distnn@127.0.0.1:4053", "--threads", "1");
    config.AddCommand<EvalCommand>("eval")
        .WithDescription("Evaluate a saved model (safetensors with its spec) on a test set.")
        .WithExample("eval", "--model-file", "runs/mlp.safetensors");
    config.AddCommand<DistNN.Cli.Commands.Predict.PredictCommand>("predict")
        .WithDescription("Classify one test image (--index) or a PNG (--image) with a saved model; prints the probabilities and draws a 28×28 image.")
        .WithExample("predict", "--model-file", "runs/mlp.safetensors", "--index", "0")
        .WithExample("predict", "--model-file", "runs/mlp.safetensors", "--image", "digit.png");
    config.AddCommand<DistNN.Cli.Export.ExportCommand>("export")
        .WithDescription("Write a saved model as ONNX (opset 17) for ONNX Runtime and other tools.")
        .WithExample("export", "--model-file", "runs/cnn.safetensors", "--format", "onnx", "--out", "runs/cnn.onnx");
    config.AddCommand<DistNN.Cli.Plotting.PlotCommand>("plot")
        .WithDescription("Draw loss and accuracy per epoch from metrics files (`train --metrics`) into a PNG; several files overlay.")
        .WithExample("plot", "runs/mlp.jsonl", "runs/cnn.jsonl", "--out", "runs/compare.png");
    config.AddCommand<SimulateCommand>("simulate")
        .WithDescription("Simulate a cluster of N workers and M servers on a virtual clock (the real actors and messages; modelled compute, links and stragglers); prints a table, --plot draws it.")
        .WithExample("simulate", "--workers", "1,4,16,64", "--model", "cnn", "--link", "10gbit", "--latency", "0.2ms", "--mode", "sync,async,ssp")
        .WithExample("simulate", "--workers", "64", "--servers", "1,2,4,8", "--compression", "none,topk:0.01", "--compute-ms", "40");
    config.AddBranch("checkpoint", checkpoint =>
    {
        checkpoint.SetDescription("List or verify the checkpoints of a directory (train --checkpoint-dir).");
        checkpoint.AddCommand<DistNN.Cli.Commands.Checkpoints.CheckpointLsCommand>("ls")
            .WithDescription("List the checkpoints, newest first.").WithExample("checkpoint", "ls", "runs/ckpt");
        checkpoint.AddCommand<DistNN.Cli.Commands.Checkpoints.CheckpointVerifyCommand>("verify")
            .WithDescription("Check every file against its manifest (length, SHA-256); exit 0 all good, 1 one corrupt, 2 none.")
            .WithExample("checkpoint", "verify", "runs/ckpt");
    });
    config.AddCommand<BenchCommand>("bench")
        .WithDescription("Measure training-step throughput or GEMM speed; prints one JSON line.")
        .WithExample("bench", "--model", "mlp", "--batch", "64", "--threads", "1")
        .WithExample("bench", "--gemm", "1024", "--threads", "1");
    config.SetExceptionHandler((e, _) =>
    {
        var inner = e is CommandAppException or CommandParseException or CommandRuntimeException ? e : (e.InnerException ?? e);
        Console.Error.WriteLine($"distnn: error: {CliErrors.Describe(inner)}{OptionSuggestions.For(inner.Message, args)}");
        if (args.Contains("--verbose"))
        {
            Console.Error.WriteLine(inner);
        }
        return CliErrors.ExitCode(inner);
    });
});
if (args.Length == 0)
{
    // No command is a usage error: the usage, and a failing exit code for scripts.
    await app.RunAsync(["--help"]);
    return 2;
}
return await app.RunAsync(args);
