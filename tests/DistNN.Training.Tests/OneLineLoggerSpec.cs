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
}
