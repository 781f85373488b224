using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// Batch normalization (Ioffe &amp; Szegedy 2015) over the last axis: per feature of a dense layer, per channel of
/// NHWC images (statistics pooled over the batch and all pixels).
/// Training: x̂ = (x − μ_B) / √(σ²_B + ε) with the batch's mean and (biased) variance; y = γ·x̂ + β;
/// running ← momentum·running + (1 − momentum)·batch (Keras' convention: momentum near 1 keeps more history).
/// Evaluation: the running mean and variance replace the batch's.
/// Backward (training): dx = γ/(M·√(σ²+ε)) · (M·dy − Σdy − x̂·Σ(dy·x̂)) over the M values of each channel.
/// </summary>
public sealed class BatchNorm : Layer
{
    private readonly float _momentum;
    private readonly float _epsilon;
    private int _channels;
    private Parameter _gamma = null!;
    private Parameter _beta = null!;
    private Parameter _runningMean = null!;
    private Parameter _runningVar = null!;
    private Tensor? _xhat;
    private Tensor? _output;
    private Tensor? _dx;
    private float[] _mean = [];
    private float[] _invStd = [];
    private float[] _scale = [];
    private float[] _shift = [];
    private Tensor? _input;
    private float[] _sumDy = [];
    private float[] _sumDyXhat = [];
    private bool _lastWasTraining;
    private bool _forwardDone;

    public BatchNorm(double momentum = 0.99, double epsilon = 1e-5)
    {
        _momentum = (float)momentum;
        _epsilon = (float)epsilon;
    }

    public float Momentum => _momentum;

    public float Epsilon => _epsilon;

    public Parameter Gamma => _gamma;

    public Parameter Beta => _beta;

    public Parameter RunningMean => _runningMean;

    public Parameter RunningVariance => _runningVar;

    public override IReadOnlyList<Parameter> Parameters => [_gamma, _beta, _runningMean, _runningVar];

    protected override int[] BuildCore(int[] inputShape)
    {
        if (inputShape.Length == 0 || inputShape[^1] <= 0)
        {
            throw ShapeError("batchnorm needs an input whose last axis (features or channels) is not empty");
        }
        if (!(_momentum >= 0f && _momentum < 1f))
        {
            throw ShapeError($"batchnorm momentum {_momentum} must be in [0, 1)");
        }
        if (!(_epsilon > 0f))
        {
            throw ShapeError($"batchnorm epsilon {_epsilon} must be positive");
        }
        _channels = inputShape[^1];
        _gamma = new Parameter($"{Name}.gamma", new Tensor(_channels), regularize: false);
        _beta = new Parameter($"{Name}.beta", new Tensor(_channels), regularize: false);
        _runningMean = new Parameter($"{Name}.running_mean", new Tensor(_channels), regularize: false, isState: true);
        _runningVar = new Parameter($"{Name}.running_var", new Tensor(_channels), regularize: false, isState: true);
        _mean = new float[_channels];
        _invStd = new float[_channels];
        _scale = new float[_channels];
        _shift = new float[_channels];
        _sumDy = new float[_channels];
        _sumDyXhat = new float[_channels];
        Reset();
        return (int[])inputShape.Clone();
    }

    public override void Initialize(Random rng) => Reset();

    private void Reset()
    {
        _gamma.Value.Fill(1f);
        _beta.Value.Clear();
        _runningMean.Value.Clear();
        _runningVar.Value.Fill(1f);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        int c = _channels;
        if (input.Length % c != 0 || input.Rank < 2 || input.Dim(-1) != c)
        {
            throw ShapeError($"forward got [{input.ShapeString}], expected a last axis of {c}");
        }
        int m = input.Length / c;
        var x = input.Span;
        var output = Tensor.Ensure(ref _output, input.Shape);
        var y = output.Span;
        var gamma = _gamma.Value.Span;
        var beta = _beta.Value.Span;
        _lastWasTraining = training;
        _forwardDone = true;
        if (!training)
        {
            // y = x·scale + (β − μ_run·scale), scale = γ / √(σ²_run + ε)
            _input = input;
            TensorPrimitives.Add(_runningVar.Value.Span, _epsilon, _invStd);
            TensorPrimitives.ReciprocalSqrt(_invStd, _invStd);
            TensorPrimitives.Multiply(_invStd, gamma, _scale);
            TensorPrimitives.Multiply(_runningMean.Value.Span, _scale, _shift);
            TensorPrimitives.Subtract(beta, _shift, _shift);
            for (int r = 0; r < m; r++)
            {
                TensorPrimitives.FusedMultiplyAdd(x.Slice(r * c, c), _scale, _shift, y.Slice(r * c, c));
            }
            return output;
        }
        if (m < 2)
        {
            throw ShapeError($"batchnorm in training needs more than one value per channel, got a batch of [{input.ShapeString}]");
        }
        var xhat = Tensor.Ensure(ref _xhat, input.Shape).Span;
        PerChannel.SumRows(x, _mean);
        TensorPrimitives.Multiply(_mean, 1f / m, _mean);
        for (int r = 0; r < m; r++)
        {
            TensorPrimitives.Subtract(x.Slice(r * c, c), _mean, xhat.Slice(r * c, c));
        }
        var variance = _invStd.AsSpan();
        PerChannel.SumProductRows(xhat, xhat, variance);
        TensorPrimitives.Multiply(variance, 1f / m, variance);
        // running ← momentum·running + (1 − momentum)·batch
        var rm = _runningMean.Value.Span;
        var rv = _runningVar.Value.Span;
        for (int ch = 0; ch < c; ch++)
        {
            rm[ch] = _momentum * rm[ch] + (1f - _momentum) * _mean[ch];
            rv[ch] = _momentum * rv[ch] + (1f - _momentum) * variance[ch];
        }
        TensorPrimitives.Add(variance, _epsilon, _invStd);
        TensorPrimitives.ReciprocalSqrt(_invStd, _invStd);
        for (int r = 0; r < m; r++)
        {
            var row = xhat.Slice(r * c, c);
            TensorPrimitives.Multiply(row, _invStd, row);
            TensorPrimitives.FusedMultiplyAdd(row, gamma, beta, y.Slice(r * c, c));
        }
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!_forwardDone)
        {
            throw new InvalidOperationException($"layer '{Name}': backward before forward");
        }
        int c = _channels;
        var dy = outputGradient.Span;
        int m = dy.Length / c;
        if (!_lastWasTraining)
        {
            // With fixed statistics the layer is affine: x̂ = (x − μ_run)/√(σ²_run + ε), dγ = Σ dy·x̂, dβ = Σ dy, dx = dy·γ/√(σ²_run + ε).
            var x = _input!.Span;
            var xhatRun = Tensor.Ensure(ref _xhat, outputGradient.Shape).Span;
            for (int r = 0; r < m; r++)
            {
                var row = xhatRun.Slice(r * c, c);
                TensorPrimitives.Subtract(x.Slice(r * c, c), _runningMean.Value.Span, row);
                TensorPrimitives.Multiply(row, _invStd, row);
            }
            PerChannel.SumProductRows(dy, xhatRun, _gamma.Grad!.Span);
            PerChannel.SumRows(dy, _beta.Grad!.Span);
            if (!NeedsInputGradient)
            {
                return null;
            }
            var dxEval = Tensor.Ensure(ref _dx, outputGradient.Shape).Span;
            for (int r = 0; r < m; r++)
            {
                TensorPrimitives.Multiply(dy.Slice(r * c, c), _scale, dxEval.Slice(r * c, c));
            }
            return _dx;
        }
        var xhat = _xhat!.Span;
        PerChannel.SumRows(dy, _sumDy);
        PerChannel.SumProductRows(dy, xhat, _sumDyXhat);
        _sumDyXhat.CopyTo(_gamma.Grad!.Span);
        _sumDy.CopyTo(_beta.Grad!.Span);
        if (!NeedsInputGradient)
        {
            return null;
        }
        var gamma = _gamma.Value.Span;
        var dx = Tensor.Ensure(ref _dx, outputGradient.Shape).Span;
        // dx = k·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), k = γ/√(σ²+ε)
        var k = _scale.AsSpan();
        TensorPrimitives.Multiply(gamma, _invStd, k);
        TensorPrimitives.Multiply(_sumDy, 1f / m, _sumDy);
        TensorPrimitives.Multiply(_sumDyXhat, 1f / m, _sumDyXhat);
        for (int r = 0; r < m; r++)
        {
            var d = dx.Slice(r * c, c);
            TensorPrimitives.Multiply(xhat.Slice(r * c, c), _sumDyXhat, d);
            TensorPrimitives.Subtract(dy.Slice(r * c, c), d, d);
            TensorPrimitives.Subtract(d, _sumDy, d);
            TensorPrimitives.Multiply(d, k, d);
        }
        return _dx;
    }
}
