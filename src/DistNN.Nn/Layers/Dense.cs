using DistNN.Nn.Activations;
using DistNN.Nn.Initializers;
using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// Fully connected layer: z = x·W + b, a = σ(z), with W stored as (in × out) so the forward pass is one GEMM
/// and the activation is fused into the bias pass. Backward: dz = da ⊙ σ'(z); dW = xᵀ·dz; db = Σ dz; dx = dz·Wᵀ.
/// </summary>
public sealed class Dense : Layer
{
    private readonly int _units;
    private readonly Activation? _activation;
    private readonly Initializer _weightInit;
    private Parameter _weights = null!;
    private Parameter _bias = null!;
    private Tensor? _input;
    private Tensor? _z;
    private Tensor? _output;
    private Tensor? _dz;
    private Tensor? _dx;
    private int _inFeatures;

    public Dense(int units, Activation? activation = null, Initializer? weightInit = null)
    {
        if (units <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "a dense layer needs at least one unit");
        }
        _units = units;
        _activation = activation;
        _weightInit = weightInit ?? Initializer.XavierUniform;
    }

    public int Units => _units;

    public Activation? Activation => _activation;

    public Parameter Weights => _weights;

    public Parameter Bias => _bias;

    public override IReadOnlyList<Parameter> Parameters => [_weights, _bias];

    protected override int[] BuildCore(int[] inputShape)
    {
        if (inputShape.Length != 1)
        {
            throw ShapeError($"dense expects a flat input, got rank {inputShape.Length}; put a flatten layer before it");
        }
        if (inputShape[0] <= 0)
        {
            throw ShapeError("dense needs at least one input feature");
        }
        if (_activation is { HasGradient: false })
        {
            throw ShapeError($"activation '{_activation.Name}' has no useful gradient and cannot be trained by backpropagation; use the perceptron rule (Perceptron) for a single step layer");
        }
        _inFeatures = inputShape[0];
        _weights = new Parameter($"{Name}.weight", new Tensor(_inFeatures, _units));
        _bias = new Parameter($"{Name}.bias", new Tensor(_units), regularize: false);
        return [_units];
    }

    public override void Initialize(Random rng)
    {
        _weightInit.Fill(_weights.Value.Span, _inFeatures, _units, rng);
        _weightInit.FillBias(_bias.Value.Span, _inFeatures, _units, rng);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        int batch = input.Rows;
        _input = input;
        var z = Tensor.Ensure(ref _z, batch, _units);
        Gemm.MatMul(input.Span, _weights.Value.Span, z.Span, batch, _units, _inFeatures);
        var bias = _bias.Value.Span;
        var zs = z.Span;
        if (_activation is null)
        {
            for (int r = 0; r < batch; r++)
            {
                var row = zs.Slice(r * _units, _units);
                TensorPrimitives.Add(row, bias, row);
            }
            return z;
        }
        var output = Tensor.Ensure(ref _output, batch, _units);
        for (int r = 0; r < batch; r++)
        {
            var row = zs.Slice(r * _units, _units);
            TensorPrimitives.Add(row, bias, row);
        }
        _activation.Forward(zs, output.Span, _units);
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        int batch = input.Rows;
        Tensor dz = outputGradient;
        if (_activation is not null)
        {
            dz = Tensor.Ensure(ref _dz, batch, _units);
            _activation.Backward(_z!.Span, _output!.Span, outputGradient.Span, dz.Span, _units);
        }
        Gemm.MatMulTransA(input.Span, dz.Span, _weights.Grad!.Span, _inFeatures, _units, batch);
        var db = _bias.Grad!.Span;
        db.Clear();
        var dzs = dz.Span;
        for (int r = 0; r < batch; r++)
        {
            TensorPrimitives.Add(db, dzs.Slice(r * _units, _units), db);
        }
        if (!NeedsInputGradient)
        {
            return null;
        }
        var dx = Tensor.Ensure(ref _dx, input.Shape);
        Gemm.MatMulTransB(dz.Span, _weights.Value.Span, dx.Span, batch, _inFeatures, _units);
        return dx;
    }
}
