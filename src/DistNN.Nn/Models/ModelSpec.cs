using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistNN.Nn.Models;

/// <summary>
/// A JSON description of a network from which every node builds the identical model given the same seed.
/// <code>{"name":"mlp","input":[784],"loss":"softmax_cross_entropy","layers":[{"type":"dense","units":256,"activation":"relu","init":"he_uniform"}, …]}</code>
/// </summary>
public sealed record ModelSpec
{
    public string Name { get; init; } = "model";

    /// <summary>Per-sample input shape: [features], [height, width, channels] (NHWC) or [time, features].</summary>
    public int[] Input { get; init; } = [];

    public string Loss { get; init; } = "softmax_cross_entropy";

    public List<LayerSpec> Layers { get; init; } = [];

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a spec; <paramref name="source"/> names the file in error messages.</summary>
    public static ModelSpec FromJson(string json, string source = "model spec")
    {
        ModelSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ModelSpec>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not a valid model spec: {e.Message}", e);
        }
        if (spec is null || spec.Input.Length == 0 || spec.Layers.Count == 0)
        {
            throw new FormatException($"{source}: a model spec needs \"input\" (the per-sample shape) and at least one entry in \"layers\"");
        }
        return spec;
    }

    public static ModelSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"model spec '{path}' does not exist", path);
        }
        return FromJson(File.ReadAllText(path), path);
    }
}

/// <summary>One layer of a <see cref="ModelSpec"/>; which fields matter depends on <see cref="Type"/>.</summary>
public sealed record LayerSpec
{
    /// <summary>dense, flatten, dropout, activation, conv2d, maxpool2d, avgpool2d, batchnorm, rnn, lstm, gru, …</summary>
    public string Type { get; init; } = "";

    public string? Name { get; init; }

    /// <summary>dense: output units; recurrent: hidden size.</summary>
    public int? Units { get; init; }

    /// <summary>relu, sigmoid, tanh, softmax, step, linear.</summary>
    public string? Activation { get; init; }

    /// <summary>Weight initializer: zeros, uniform, normal, xavier_uniform, xavier_normal, he_uniform, he_normal, orthogonal.</summary>
    public string? Init { get; init; }

    /// <summary>dropout: the probability of dropping a unit.</summary>
    public double? Rate { get; init; }

    /// <summary>conv2d: number of filters.</summary>
    public int? Filters { get; init; }

    /// <summary>conv2d / pooling: window [height, width].</summary>
    public int[]? Kernel { get; init; }

    /// <summary>conv2d / pooling: [vertical, horizontal] stride.</summary>
    public int[]? Stride { get; init; }

    /// <summary>"valid", "same", or explicit "[top,bottom,left,right]" / a number.</summary>
    public string? Padding { get; init; }

    /// <summary>recurrent: return the whole sequence (true) or the last state (false, default).</summary>
    public bool? ReturnSequences { get; init; }

    /// <summary>recurrent: truncate backpropagation through time to this many steps (0 or absent: full).</summary>
    public int? Bptt { get; init; }

    /// <summary>batchnorm: running-average momentum; epsilon.</summary>
    public double? Momentum { get; init; }

    public double? Epsilon { get; init; }
}
