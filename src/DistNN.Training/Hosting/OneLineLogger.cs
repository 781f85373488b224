using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using DistNN.Training.Configuration;

namespace DistNN.Training.Hosting;

/// <summary>
/// Akka's log events as one line each on standard output: an error's cause is named by its type and message, and its
/// stack trace is printed only when distnn.log.stack-traces is on (`distnn node --verbose`). Garbage on Akka.Remote's
/// port, for one, is a line per connection instead of a block of stack frames. Akka.Remote's lines about peers not
/// there yet or any more (<see cref="RemoteLifecycleNoise"/>) only with --verbose.
/// </summary>
public sealed class OneLineLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public OneLineLogger()
    {
        bool stackTraces = LogSettings.From(Context.System.Settings.Config).StackTraces;
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        // --verbose (stack traces on) shows everything; otherwise a peer's coming and going is the node's own lines' to tell.
        Receive<LogEvent>(e =>
        {
            if (stackTraces || !RemoteLifecycleNoise.Covers(e))
            {
                Console.WriteLine(Format(e, stackTraces));
            }
        });
    }

    public static string Format(LogEvent e, bool stackTraces)
    {
        string line = $"[{e.LogLevel().ToString().Replace("Level", "").ToUpperInvariant()}][{e.Timestamp:HH:mm:ss.fff}][{e.LogSource}] "
            + e.Message?.ToString()?.ReplaceLineEndings(" ");
        return e.Cause switch
        {
            null => line,
            var cause when stackTraces => line + Environment.NewLine + cause,
            var cause => $"{line} ({cause.GetType().Name}: {cause.Message.ReplaceLineEndings(" ")})",
        };
    }
}
