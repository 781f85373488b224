using Akka.Event;
using DistNN.Training.Hosting;

namespace DistNN.Training.Tests;

public class OneLineLoggerSpec
{
    private static Error ErrorWithCause()
    {
        try
        {
            throw new InvalidOperationException("frame too long\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            return new Error(e, "TcpServerHandler", typeof(OneLineLoggerSpec), "Error caught channel");
        }
    }

    [Fact]
    public void An_error_is_one_line_naming_its_cause_unless_stack_traces_are_on()
    {
        var error = ErrorWithCause();

        string plain = OneLineLogger.Format(error, stackTraces: false);
        string verbose = OneLineLogger.Format(error, stackTraces: true);

        Assert.DoesNotContain('\n', plain);
        Assert.Contains("[ERROR]", plain);
        Assert.Contains("(InvalidOperationException: frame too long second line)", plain);
        Assert.Contains("   at ", verbose);
    }

    [Fact]
    public void The_standard_out_logger_writes_one_line_and_leaves_out_a_peer_s_disassociation()
    {
        // As a node's ActorSystem shuts down its loggers stop first; what Akka.Remote logs after that (a peer leaving at the
        // same moment) reached Akka's own standard-out logger, in several lines, and a clean run's output.
        var logger = new OneLineStdoutLogger();
        var noise = new Warning(new InvalidOperationException("the peer left"), "akka.tcp://distnn@127.0.0.1:1/system/endpointManager/endpointWriter",
            typeof(OneLineLoggerSpec), "Disassociated");
        var error = ErrorWithCause();
        var written = new StringWriter();
        var before = Console.Out;
        Console.SetOut(written);
        try
        {
            logger.Tell(noise, Akka.Actor.ActorRefs.NoSender);
            logger.Tell(error, Akka.Actor.ActorRefs.NoSender);
        }
        finally
        {
            Console.SetOut(before);
        }

        string output = written.ToString();
        Assert.DoesNotContain("Disassociated", output);
        Assert.Equal(OneLineLogger.Format(error, stackTraces: false) + Environment.NewLine, output);
    }

    [Fact]
    public void The_verbose_standard_out_logger_leaves_out_nothing_and_writes_the_stack_trace()
    {
        var logger = new VerboseOneLineStdoutLogger();
        var noise = new Warning(new InvalidOperationException("the peer left"), "akka.tcp://distnn@127.0.0.1:1/system/endpointManager/endpointWriter",
            typeof(OneLineLoggerSpec), "Disassociated");
        var error = ErrorWithCause();
        var written = new StringWriter();
        var before = Console.Out;
        Console.SetOut(written);
        try
        {
            logger.Tell(noise, Akka.Actor.ActorRefs.NoSender);
            logger.Tell(error, Akka.Actor.ActorRefs.NoSender);
        }
        finally
        {
            Console.SetOut(before);
        }

        string output = written.ToString();
        Assert.Equal(OneLineLogger.Format(noise, stackTraces: true) + Environment.NewLine + OneLineLogger.Format(error, stackTraces: true) + Environment.NewLine, output);
        Assert.Contains("   at ", output);
    }
}
