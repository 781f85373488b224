using Akka.Actor;
using Akka.Event;

namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// The supervisor strategy of every actor of a run: a child that throws is stopped, never restarted (a restart would
/// bring a server back without its weights, a worker back unregistered — nothing an actor of a run throws on is mended
/// by starting it again), its failure is one log line, and <paramref name="report"/> hears the child and why, so that the
/// run ends naming them.
/// </summary>
public sealed class StopAndReportStrategy(Action<IActorContext, IActorRef, string> report)
    : OneForOneStrategy(_ => Directive.Stop)
{
    /// <summary>The child and the reason passed to <c>report</c>: "worker-0 (akka://…/user/worker-0) stopped: ArgumentException: first line".</summary>
    public static string Describe(IActorRef child, Exception cause)
    {
        // An exception thrown by a constructor or PreStart arrives wrapped.
        var inner = cause is ActorInitializationException { InnerException: { } wrapped } ? wrapped : cause;
        return $"{child.Path.Name} ({child.Path}) stopped: {inner.GetType().Name}: {FirstLine(inner.Message)}";
    }

    public static string FirstLine(string text)
    {
        int end = text.IndexOf('\n');
        return end < 0 ? text : text[..end].TrimEnd();
    }

    protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        // The logger adds the cause's type and message (and its stack trace with distnn.log.stack-traces).
        Logging.GetLogger(context.System, context.Self.Path.ToString()).Error(cause, "{0} ({1}) stopped", child.Path.Name, child.Path);
        report(context, child, Describe(child, cause));
    }
}
