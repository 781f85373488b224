using Akka.Event;

namespace DistNN.Training.Hosting;

/// <summary>
/// Akka's standard-out logger (akka.stdout-logger-class): what is logged before the configured loggers start and after
/// they stop, as a node's ActorSystem shuts down. Akka's own writes each event over several lines, Akka.Remote's
/// "Disassociated" among them when a peer leaves at the same moment; this one writes as <see cref="OneLineLogger"/> does
/// and leaves out <see cref="RemoteLifecycleNoise"/>. Akka makes it by its type alone, with no configuration to read,
/// so `distnn node --verbose` names <see cref="VerboseOneLineStdoutLogger"/> instead, which leaves out nothing.
/// </summary>
public class OneLineStdoutLogger : MinimalLogger
{
    private readonly bool _verbose;

    public OneLineStdoutLogger() : this(verbose: false)
    {
    }

    private protected OneLineStdoutLogger(bool verbose) => _verbose = verbose;

    protected override void Log(object message)
    {
        if (message is not LogEvent e)
        {
            Console.WriteLine(message);
        }
        else if (_verbose || !RemoteLifecycleNoise.Covers(e))
        {
            Console.WriteLine(OneLineLogger.Format(e, stackTraces: _verbose));
        }
    }
}

/// <summary>
/// The standard-out logger under --verbose (distnn.log.stack-traces on), as <see cref="OneLineLogger"/> is then: every
/// event, Akka.Remote's lifecycle lines included, with the cause's stack trace.
/// </summary>
public sealed class VerboseOneLineStdoutLogger : OneLineStdoutLogger
{
    public VerboseOneLineStdoutLogger() : base(verbose: true)
    {
    }
}
