using Akka.Configuration;
using Akka.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>
/// The program's reference configuration (reference.conf, built into this assembly): every DistNN setting with its
/// default, and DistNN's choices over Akka's defaults. Users' files, DISTNN_* variables and options layer over it.
/// </summary>
public static class DistNNReference
{
    private const string ResourceName = "DistNN.reference.conf";

    private static readonly Lazy<Config> s_config = new(Load);

    /// <summary>reference.conf as parsed; the fallback of every ActorSystem DistNN starts.</summary>
    public static Config Config => s_config.Value;

    /// <summary>The text of reference.conf, for a user who wants to see every default.</summary>
    public static string Text()
    {
        using var stream = typeof(DistNNReference).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the built-in {ResourceName} is missing from the program");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Settings given as values (a host name, a thread count) as a <see cref="Akka.Configuration.Config"/>, through
    /// Microsoft.Extensions.Configuration: keys are HOCON paths, values are taken literally (never parsed as HOCON).
    /// Null values are left out, so the layer below keeps its own; of two values for one path the later wins.
    /// </summary>
    public static Config Values(params (string Path, string? Value)[] values) => ToConfiguration(values).ToHocon();

    /// <summary>The same values as an <see cref="IConfiguration"/>, for Akka.Hosting's <c>AddHocon(IConfiguration, …)</c>.</summary>
    public static IConfiguration ToConfiguration(IEnumerable<(string Path, string? Value)> values)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, value) in values.Where(v => v.Value is not null))
        {
            data[path.Replace('.', ':')] = value;
        }
        return new ConfigurationBuilder().AddInMemoryCollection(data).Build();
    }

    private static Config Load() => ConfigurationFactory.ParseString(Text());
}
