using Akka.Event;

namespace DistNN.Training.Hosting;

/// <summary>
/// Akka's standard-out logger (akka.stdout-logger-class): what is logged before the configured loggers start and after
/// they stop, as a node's ActorSystem shuts down. Akka's own writes each event over several lines, Akka.Remote's
/// "Disassociated" among them when a peer leaves at the same moment; this one writes as <see cref="OneLineLogger"/> does
/// and leaves out <see cref="RemoteLifecycleNoise"/> (without a configuration to read, even with --verbose: in those
/// moments a peer's coming and going is the node's own lines' to tell).
/// </summary>
public sealed class OneLineStdoutLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not LogEvent e)
        {
            Console.WriteLine(message);
        }
        else if (!RemoteLifecycleNoise.Covers(e))
        {
            Console.WriteLine(OneLineLogger.Format(e, stackTraces: false));
        }
    }
}
