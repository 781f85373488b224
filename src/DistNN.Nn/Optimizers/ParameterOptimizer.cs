namespace DistNN.Nn.Optimizers;

/// <summary>Applies an <see cref="Optimizer"/> to a model's parameters, keeping each tensor's state and step count.</summary>
public sealed class ParameterOptimizer
{
    private readonly Optimizer _rule;
    private readonly Parameter[] _parameters;
    private readonly float[][] _state;
    private long _step;

    public ParameterOptimizer(Optimizer rule, IEnumerable<Parameter> parameters)
    {
        _rule = rule;
        _parameters = parameters.Where(p => !p.IsState).ToArray();
        _state = _parameters.Select(p => new float[rule.StateSlots * p.Value.Length]).ToArray();
    }

    public Optimizer Rule => _rule;

    public long StepCount => _step;

    public void Step()
    {
        _step++;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            _rule.Update(p.Value.Span, p.Grad!.Span, _state[i], _step, p.Regularize);
        }
    }
}
